// Desk behaviour: composer (filled in by its own work).
