"""The consortium directory: every consortium's numbers and the admin's allow-list of outside
numbers, kept in PostgreSQL, edited by admins (validated, audited), held in memory as the
snapshot the IVR and the transfer routing read; and the one rule for what a phone number is."""
