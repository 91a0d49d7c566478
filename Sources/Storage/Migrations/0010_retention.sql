-- Nothing grows without bound (issue 17): what the retention sweeper walks.

-- Bank details are purged once the extraction has ended: the cases still holding a full number.
CREATE INDEX cases_bank_unpurged ON cases (id)
    WHERE bank_account_number IS NOT NULL AND bank_account_number NOT LIKE '*%';

-- Events of cases that ended long ago are deleted by age: the ended cases by when they last changed.
CREATE INDEX cases_ended_updated ON cases (updated_at)
    WHERE status IN ('completed', 'closed');
