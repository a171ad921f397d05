"""Staff log in to the web pages with a username and password: hashes, sessions, the rate
limit on failures, the login page (issue 13)."""
