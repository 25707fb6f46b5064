"""The tray's windows; each is imported only when first opened."""
