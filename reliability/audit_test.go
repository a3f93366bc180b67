package reliability

// Instrumentation of a scenario's database: triggers that record who did
// what, by the application_name of the connection that did it. Each
// scenario installs what it needs; the engine's statements name their
// columns, so an added column changes nothing for them.

// claimsAudit records in asynqpg_tasks.claimed_by the application_name of
// the consumer that claimed each task's current attempt.
const claimsAudit = `
ALTER TABLE asynqpg_tasks ADD COLUMN claimed_by text;
CREATE FUNCTION reliability_claimed_by() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.status = 'running' AND NEW.attempted_at IS DISTINCT FROM OLD.attempted_at THEN
		NEW.claimed_by := current_setting('application_name');
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER reliability_claimed_by BEFORE UPDATE ON asynqpg_tasks
	FOR EACH ROW EXECUTE FUNCTION reliability_claimed_by();`

// writesAudit records every change of a task row: who changed it, from
// which status and attempt to which, who had claimed the attempt it
// changed (with claimsAudit installed first), and when.
const writesAudit = `
CREATE TABLE reliability_writes (
	seq bigserial PRIMARY KEY,
	task_id bigint NOT NULL,
	app text NOT NULL,
	old_status text NOT NULL,
	new_status text NOT NULL,
	old_attempted_at timestamptz,
	new_attempted_at timestamptz,
	old_claimed_by text,
	at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE FUNCTION reliability_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO reliability_writes (task_id, app, old_status, new_status, old_attempted_at, new_attempted_at, old_claimed_by)
	VALUES (NEW.id, current_setting('application_name'), OLD.status, NEW.status, OLD.attempted_at, NEW.attempted_at,
		to_jsonb(OLD)->>'claimed_by');
	RETURN NULL;
END $$;
CREATE TRIGGER reliability_write AFTER UPDATE ON asynqpg_tasks
	FOR EACH ROW EXECUTE FUNCTION reliability_write();`

// maintenanceAudit records every maintenance action (a rescue, a deletion
// by the cleaner) with the application_name that did it.
const maintenanceAudit = `
CREATE TABLE reliability_maintenance (
	seq bigserial PRIMARY KEY,
	app text NOT NULL,
	op text NOT NULL,
	task_id bigint NOT NULL,
	at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE FUNCTION reliability_maintained() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		INSERT INTO reliability_maintenance (app, op, task_id) VALUES (current_setting('application_name'), 'delete', OLD.id);
		RETURN NULL;
	END IF;
	IF cardinality(NEW.messages) > cardinality(OLD.messages)
		AND NEW.messages[cardinality(NEW.messages)] LIKE 'rescued:%' THEN
		INSERT INTO reliability_maintenance (app, op, task_id) VALUES (current_setting('application_name'), 'rescue', NEW.id);
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER reliability_maintained AFTER UPDATE OR DELETE ON asynqpg_tasks
	FOR EACH ROW EXECUTE FUNCTION reliability_maintained();`

// leaderAudit records every change of the leader table: each election,
// renewal and resignation, with the database time it happened.
const leaderAudit = `
CREATE TABLE reliability_leader_audit (
	seq bigserial PRIMARY KEY,
	op text NOT NULL,
	leader_id text NOT NULL,
	elected_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	app text NOT NULL,
	at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE FUNCTION reliability_leader_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		INSERT INTO reliability_leader_audit (op, leader_id, elected_at, expires_at, app)
		VALUES ('resign', OLD.leader_id, OLD.elected_at, OLD.expires_at, current_setting('application_name'));
	ELSIF TG_OP = 'INSERT' OR NEW.leader_id <> OLD.leader_id OR NEW.elected_at <> OLD.elected_at THEN
		INSERT INTO reliability_leader_audit (op, leader_id, elected_at, expires_at, app)
		VALUES ('elect', NEW.leader_id, NEW.elected_at, NEW.expires_at, current_setting('application_name'));
	ELSE
		INSERT INTO reliability_leader_audit (op, leader_id, elected_at, expires_at, app)
		VALUES ('renew', NEW.leader_id, NEW.elected_at, NEW.expires_at, current_setting('application_name'));
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER reliability_leader_changed AFTER INSERT OR UPDATE OR DELETE ON asynqpg_leader
	FOR EACH ROW EXECUTE FUNCTION reliability_leader_changed();`
