"""Operational endpoints: health, readiness, vocabularies and the audit trail."""
