"""Collections (issue 15): what happens to customers who did not pay. Business hours and days without
reminders, grace extensions on charges, access block and unblock with their signed webhook, tags and call
tasks, returned and undone payments, and the delinquent list. Everything reads the customer's account
(`bot.account`); what customers and staff are told goes through the outbox like every other message."""
