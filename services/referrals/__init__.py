"""The referral programme: codes, attribution with abuse limits, rewards, the report."""
