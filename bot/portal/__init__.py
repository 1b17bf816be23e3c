"""The staff portal under /portal/: inbox, payments, customers, reports and cases behind a staff login.

Pages are rendered on the server (Jinja2 on Starlette) and every action goes through the same core actions
the chats use (`StaffDesk.perform` through the core's port), so what one surface does the other shows.
Modules: `passwords` (argon2), `sessions` (signed cookie, CSRF, who is logged in), `logins` (attempts and
their limit), `app` (routes and mounting), one module per page (`inbox`, `intake_page`, `payments`,
`customers`, `reports`, `cases`, `staff_page`) and `views` (templates and formatting).
"""
