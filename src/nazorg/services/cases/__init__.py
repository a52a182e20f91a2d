"""Reports (meldingen) of exclusion and discrimination, buddies and recovery plans (issue 15).

- `guard`: who may see and do what, with every refusal in the audit trail;
- `reports`: registering a report, the investigation, the buddy, closing, and reading them;
- `contacts`: the buddy's contact moments, made by the daily run as ordinary follow-ups;
- `plans`: recovery plans, their measures and review;
- `figures`: counts per team for the monthly report (no names);
- `privacy`: what export, erasure and retention do with reports and plans.
"""
