// Desk behaviour: live (filled in by its own work).
