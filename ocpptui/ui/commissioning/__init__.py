"""Commissioning: the live checklist, the technician's notes, the report; playbook runs."""
