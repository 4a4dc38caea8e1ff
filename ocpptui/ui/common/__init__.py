"""What every feature uses: the small modal forms and questions, the key footer, safe display
text, JSON views, styles for Line-API widgets, hub listeners."""
