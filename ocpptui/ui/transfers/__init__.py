"""File transfers: firmware upgrades and diagnostics uploads, watched live; the uploaded file."""
