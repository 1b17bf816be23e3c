"""The one web host (Starlette): health, webhooks and the local sandbox page."""
