-- A hand-written antenatal-care programme for the program indicator tests
-- (tests/dhis2/program_indicator_sql_test.cc; the expected values in hand_computed.json are worked
-- out by hand from these rows). Org units: country CountrySim1 > districts District001 (facilities
-- FacilityA01, FacilityA02) and District002 (FacilityB01). Programme ProgramAnc1, stages
-- StageVisit1 (repeatable) and StageDelivr; data elements DeHaemoglb1 (haemoglobin, NUMBER),
-- DeWeight001 (NUMBER), DeOutcome01 (TEXT); attributes AtAge000001 (age) and AtName00001 (a
-- personal name, stored as HMAC-SHA256 with the key "test-key").
CREATE TABLE org_units (uid VARCHAR, level1_uid VARCHAR, level2_uid VARCHAR, level3_uid VARCHAR);
INSERT INTO org_units VALUES
  ('CountrySim1', 'CountrySim1', NULL, NULL),
  ('District001', 'CountrySim1', 'District001', NULL),
  ('District002', 'CountrySim1', 'District002', NULL),
  ('FacilityA01', 'CountrySim1', 'District001', 'FacilityA01'),
  ('FacilityA02', 'CountrySim1', 'District001', 'FacilityA02'),
  ('FacilityB01', 'CountrySim1', 'District002', 'FacilityB01');
CREATE TABLE periods (pe VARCHAR, period_type VARCHAR, start_date DATE, end_date DATE);
INSERT INTO periods VALUES
  ('202401', 'Monthly', DATE '2024-01-01', DATE '2024-01-31'),
  ('202402', 'Monthly', DATE '2024-02-01', DATE '2024-02-29'),
  ('202403', 'Monthly', DATE '2024-03-01', DATE '2024-03-31'),
  ('2024Q1', 'Quarterly', DATE '2024-01-01', DATE '2024-03-31');
CREATE TABLE program_stages (uid VARCHAR, name VARCHAR);
INSERT INTO program_stages VALUES ('StageVisit1', 'ANC visit'), ('StageDelivr', 'Delivery');
CREATE TABLE constants (uid VARCHAR, value DOUBLE);
INSERT INTO constants VALUES ('ConstTwo001', 2.0);
-- Enrollments: EN4 is deleted.
CREATE TABLE enrollments (enrollment VARCHAR, program VARCHAR, tracked_entity VARCHAR, ou VARCHAR,
  status VARCHAR, enrolled_at TIMESTAMPTZ, occurred_at TIMESTAMPTZ, created_at TIMESTAMPTZ,
  updated_at TIMESTAMPTZ, completed_at TIMESTAMPTZ, deleted BOOLEAN);
INSERT INTO enrollments VALUES
  ('Enrollment1', 'ProgramAnc1', 'TrackedEnt1', 'FacilityA01', 'ACTIVE', '2024-01-05', '2024-01-01', '2024-01-05', '2024-03-15', NULL, false),
  ('Enrollment2', 'ProgramAnc1', 'TrackedEnt2', 'FacilityA02', 'COMPLETED', '2024-01-20', '2024-01-15', '2024-01-20', '2024-02-25', '2024-02-25', false),
  ('Enrollment3', 'ProgramAnc1', 'TrackedEnt3', 'FacilityB01', 'ACTIVE', '2024-02-10', '2024-02-10', '2024-02-10', '2024-02-20', NULL, false),
  ('Enrollment4', 'ProgramAnc1', 'TrackedEnt4', 'FacilityB01', 'ACTIVE', '2024-02-15', '2024-02-15', '2024-02-15', '2024-02-16', NULL, true);
-- Events: E9 lies before every period; E7 is only scheduled (no event date); E8 is deleted; E10 is
-- TrackedEnt1's visit at another facility; E1 was entered 10 h 30 min after it happened.
CREATE TABLE events (event VARCHAR, program VARCHAR, program_stage VARCHAR, enrollment VARCHAR,
  tracked_entity VARCHAR, ou VARCHAR, status VARCHAR, occurred_at TIMESTAMPTZ,
  scheduled_at TIMESTAMPTZ, created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ,
  completed_at TIMESTAMPTZ, deleted BOOLEAN);
INSERT INTO events VALUES
  ('Event000001', 'ProgramAnc1', 'StageVisit1', 'Enrollment1', 'TrackedEnt1', 'FacilityA01', 'COMPLETED', '2024-01-05', '2024-01-05', '2024-01-05 10:30:00', '2024-01-05 10:30:00', '2024-01-05', false),
  ('Event000002', 'ProgramAnc1', 'StageVisit1', 'Enrollment1', 'TrackedEnt1', 'FacilityA01', 'COMPLETED', '2024-02-03', '2024-02-03', '2024-02-03', '2024-02-03', '2024-02-03', false),
  ('Event000003', 'ProgramAnc1', 'StageVisit1', 'Enrollment1', 'TrackedEnt1', 'FacilityA01', 'COMPLETED', '2024-03-02', '2024-03-02', '2024-03-02', '2024-03-02', '2024-03-02', false),
  ('Event000004', 'ProgramAnc1', 'StageVisit1', 'Enrollment2', 'TrackedEnt2', 'FacilityA02', 'ACTIVE', '2024-01-21', '2024-01-21', '2024-01-21', '2024-01-21', NULL, false),
  ('Event000005', 'ProgramAnc1', 'StageDelivr', 'Enrollment2', 'TrackedEnt2', 'FacilityA02', 'COMPLETED', '2024-02-25', '2024-02-25', '2024-02-25', '2024-02-25', '2024-02-25', false),
  ('Event000006', 'ProgramAnc1', 'StageVisit1', 'Enrollment3', 'TrackedEnt3', 'FacilityB01', 'COMPLETED', '2024-02-11', '2024-02-11', '2024-02-11', '2024-02-11', '2024-02-11', false),
  ('Event000007', 'ProgramAnc1', 'StageVisit1', 'Enrollment3', 'TrackedEnt3', 'FacilityB01', 'SCHEDULE', NULL, '2024-03-10', '2024-02-11', '2024-02-11', NULL, false),
  ('Event000008', 'ProgramAnc1', 'StageVisit1', 'Enrollment3', 'TrackedEnt3', 'FacilityB01', 'COMPLETED', '2024-02-20', '2024-02-20', '2024-02-20', '2024-02-20', '2024-02-20', true),
  ('Event000009', 'ProgramAnc1', 'StageVisit1', 'Enrollment1', 'TrackedEnt1', 'FacilityA01', 'COMPLETED', '2023-12-20', '2023-12-20', '2023-12-20', '2023-12-20', '2023-12-20', false),
  ('Event000010', 'ProgramAnc1', 'StageVisit1', 'Enrollment1', 'TrackedEnt1', 'FacilityA02', 'COMPLETED', '2024-03-15', '2024-03-15', '2024-03-15', '2024-03-15', '2024-03-15', false);
CREATE TABLE event_values (event VARCHAR, de VARCHAR, value DOUBLE, value_text VARCHAR);
INSERT INTO event_values VALUES
  ('Event000001', 'DeHaemoglb1', 10, '10'), ('Event000001', 'DeWeight001', 60, '60'),
  ('Event000002', 'DeHaemoglb1', 12, '12'), ('Event000002', 'DeWeight001', 62, '62'),
  ('Event000003', 'DeWeight001', 64, '64'),
  ('Event000004', 'DeHaemoglb1', 9, '9'), ('Event000004', 'DeWeight001', 85, '85'),
  ('Event000005', 'DeOutcome01', NULL, 'Live birth'), ('Event000005', 'DeWeight001', 70, '70'),
  ('Event000006', 'DeHaemoglb1', 11, '11'),
  ('Event000008', 'DeHaemoglb1', 5, '5'),
  ('Event000009', 'DeHaemoglb1', 13, '13'),
  ('Event000010', 'DeHaemoglb1', 11.5, '11.5'), ('Event000010', 'DeWeight001', 66, '66');
CREATE TABLE attribute_values (tracked_entity VARCHAR, attribute VARCHAR, value_text VARCHAR);
INSERT INTO attribute_values VALUES
  ('TrackedEnt1', 'AtAge000001', '17'), ('TrackedEnt2', 'AtAge000001', '25'),
  ('TrackedEnt3', 'AtAge000001', '19'),
  ('TrackedEnt1', 'AtName00001', '__HMAC_Aminata__'), ('TrackedEnt2', 'AtName00001', '__HMAC_Hawa__');
-- Registration units: TrackedEnt1 was registered at FacilityA02 (its enrollment is at A01).
CREATE TABLE tracked_entities (tracked_entity VARCHAR, ou VARCHAR);
INSERT INTO tracked_entities VALUES
  ('TrackedEnt1', 'FacilityA02'), ('TrackedEnt2', 'FacilityA02'), ('TrackedEnt3', 'FacilityB01'),
  ('TrackedEnt4', 'FacilityB01');
CREATE TABLE relationships (relationship VARCHAR, relationship_type VARCHAR,
  from_tracked_entity VARCHAR, to_tracked_entity VARCHAR);
INSERT INTO relationships VALUES
  ('Relation001', 'RelTypeOne1', 'TrackedEnt1', 'TrackedEnt2'),
  ('Relation002', 'RelTypeOne1', 'TrackedEnt3', 'TrackedEnt1'),
  ('Relation003', 'RelTypeTwo1', 'TrackedEnt1', 'TrackedEnt4');
