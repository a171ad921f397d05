"""Return calls: the dialer an agent calls a caller back with (messages, queue callbacks,
confidential cases), every attempt a contact, and the day's check of messages not returned."""
