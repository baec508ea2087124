"""The training camp: labs as data (`labs/`), the check engine that runs them against a cloud as the student,
class management, resets and snapshots of the whole lab state."""
