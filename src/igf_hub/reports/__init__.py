"""The IGF's yearly report to the CSTD, compiled from the record (README, "The yearly report")."""
