"""raidwatch: storage inventory and RAID health monitor for server fleets."""

__version__ = "0.1.0"
