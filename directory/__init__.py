"""The service directory of Bamako protection actors."""
