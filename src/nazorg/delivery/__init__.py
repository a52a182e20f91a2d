"""Delivery of emitted versions to mail and calendar servers (issue 8).

The outbox stays the source of truth: what is delivered are the bytes of the files the daily run
wrote, to any combination of three targets, configured per installation under `[delivery]`:

- `imap`: every draft (conversation drafts and escalation drafts) APPENDed to a drafts folder,
  flagged `\\Draft` (and `\\Seen`), over TLS or STARTTLS;
- `smtp`: every invite sent as an iMIP message to its attendees, for installations that want
  invites out without review (the draft minus its `X-Unsent` header);
- a DECLINECOUNTER (issue 13, a rejected proposal of a new time) goes to `smtp` (to the proposer)
  and to `imap` (the aftercare mailbox's drafts folder), never to `caldav`;
- `caldav`: every invite PUT into a calendar collection, one resource per conversation UID, so a
  new SEQUENCE replaces the old one and a CANCEL marks it cancelled (or deletes it).

Delivery runs after emission, as a step of the daily run (`nazorg.jobs.steps`) and as
`nazorg deliver`. The state of each version at each target is a row
(`nazorg.store.models.Delivery`); a failed target is retried later with backoff and never blocks
emission or the other targets. See
`nazorg.delivery.service` for the rules that keep a version from being delivered twice.

The targets' settings are in `nazorg.settings.delivery`; the protocol code is imported when
something is delivered.
"""
