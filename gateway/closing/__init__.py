"""Order closing: ordered / shipped / invoiced / cancelled per line, from ERP events."""
