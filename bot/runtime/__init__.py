"""How updates and timed work move through one worker: the durable inbox, the fair
scheduler, jobs, the flood-limit-aware rate limiter, and the intake (polling or webhook)."""
