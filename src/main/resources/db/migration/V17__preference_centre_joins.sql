-- Joining another newsletter from the preference centre is a new request with double opt-in.
ALTER TABLE subscription_request DROP CONSTRAINT subscription_request_source_check;
ALTER TABLE subscription_request ADD CONSTRAINT subscription_request_source_check
    CHECK (source IN ('HOSTED_PAGE', 'EMBED', 'API', 'FORM', 'PREFERENCE_CENTRE'));
ALTER TABLE subscription DROP CONSTRAINT subscription_source_check;
ALTER TABLE subscription ADD CONSTRAINT subscription_source_check
    CHECK (source IN ('HOSTED_PAGE', 'EMBED', 'API', 'IMPORT', 'FORM', 'PREFERENCE_CENTRE'));
