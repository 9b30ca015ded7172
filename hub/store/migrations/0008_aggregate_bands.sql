-- Hour-of-week bands in the aggregates (issue 16, docs/hotspots.md): each counted incident's band is kept beside its
-- cell, so a later run sees an incident whose hour was corrected leave its band (and retracts a band figure that fell
-- below 5). Rows counted before bands were published keep NULL, as do victim-sensitive offences (in no band).
-- Band messages go to `aggregate_messages` as the cells' do, with `area` 'band:<band>' (e.g. 'band:weekday:20-24').
ALTER TABLE aggregate_counted ADD COLUMN band text;  -- e.g. 'weekend:00-04'; NULL: in no band
