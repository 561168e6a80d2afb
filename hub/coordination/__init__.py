"""Coordination: the live overdue board, provider scorecards, coordination meetings and their minutes,
monthly POS indicators. Codes and facts only: nothing here reads a child's identifying fields."""
