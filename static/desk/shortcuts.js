// Desk behaviour: shortcuts (filled in by its own work).
