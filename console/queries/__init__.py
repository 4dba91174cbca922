"""One query module per page; each takes a cursor on the serving snapshot and returns plain rows for a template."""
