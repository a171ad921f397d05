"""Business hours: the weekly schedule, holidays and an admin's override (snow day, emergency)."""
