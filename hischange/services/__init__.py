"""Services: one module per command family; one function per user command = one transaction."""
