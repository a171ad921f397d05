"""Reports of call-center activity (issue 13): intervals per queue, abandoned calls, agents,
first-contact resolution and promises kept, as JSON, CSV and the CLI, each stating the
definitions its figures are counted by."""
