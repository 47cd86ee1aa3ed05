"""How Arbiter marks the label SRs it writes back to a PACS, so no importer reads them as reports."""

# Manufacturer (0008,0070) of the Basic Text SRs that carry Arbiter's final labels.
ARBITER_SR_MANUFACTURER = "Arbiter"
