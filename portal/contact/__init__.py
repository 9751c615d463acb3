"""The public contact route: business hours, the sales address and the sales contact form."""
