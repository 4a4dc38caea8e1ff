"""The site board: every charger of a site sheet on one screen, and batch actions on them."""
