"""The main-number IVR: greeting, language, hours, menu, caller identification, queue entry."""
