"""Staff mailboxes: greetings kept current, messages left, message waiting, management access."""
