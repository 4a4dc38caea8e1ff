"""The Commands tab (remote commands with forms built from their schemas) and the raw
composer, and what became of each call."""
