package reliability

// Instrumentation of a scenario's database: triggers that record who did
// what, by the application_name of the connection that did it. Each
// scenario installs what it needs; the engine's statements name their
// columns, so an added column changes nothing for them.

// auditTable returns the statement that creates an audit table: a
// sequence number, the columns given, and the time each row was written.
func auditTable(name, columns string) string {
	return `
CREATE TABLE ` + name + ` (
	seq bigserial PRIMARY KEY,` + columns + `
	at timestamptz NOT NULL DEFAULT clock_timestamp()
);`
}

// rowTrigger returns the statements that create the PL/pgSQL function
// name, whose body runs between BEGIN and END, and the row trigger of the
// same name that runs it on table at when (e.g. "AFTER UPDATE").
func rowTrigger(name, when, table, body string) string {
	return `
CREATE FUNCTION ` + name + `() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN` + body + `
END $$;
CREATE TRIGGER ` + name + ` ` + when + ` ON ` + table + `
	FOR EACH ROW EXECUTE FUNCTION ` + name + `();`
}

// claimsAudit records in asynqpg_tasks.claimed_by the application_name of
// the consumer that claimed each task's current attempt.
var claimsAudit = `
ALTER TABLE asynqpg_tasks ADD COLUMN claimed_by text;` +
	rowTrigger("reliability_claimed_by", "BEFORE UPDATE", "asynqpg_tasks", `
	IF NEW.status = 'running' AND NEW.attempted_at IS DISTINCT FROM OLD.attempted_at THEN
		NEW.claimed_by := current_setting('application_name');
	END IF;
	RETURN NEW;`)

// writesAudit records every change of a task row: who changed it, from
// which status and attempt to which, who had claimed the attempt it
// changed (with claimsAudit installed first), and when.
var writesAudit = auditTable("reliability_writes", `
	task_id bigint NOT NULL,
	app text NOT NULL,
	old_status text NOT NULL,
	new_status text NOT NULL,
	old_attempted_at timestamptz,
	new_attempted_at timestamptz,
	old_claimed_by text,`) +
	rowTrigger("reliability_write", "AFTER UPDATE", "asynqpg_tasks", `
	INSERT INTO reliability_writes (task_id, app, old_status, new_status, old_attempted_at, new_attempted_at, old_claimed_by)
	VALUES (NEW.id, current_setting('application_name'), OLD.status, NEW.status, OLD.attempted_at, NEW.attempted_at,
		to_jsonb(OLD)->>'claimed_by');
	RETURN NULL;`)

// maintenanceAudit records every maintenance action (a rescue, a deletion
// by the cleaner) with the application_name that did it.
var maintenanceAudit = auditTable("reliability_maintenance", `
	app text NOT NULL,
	op text NOT NULL,
	task_id bigint NOT NULL,`) +
	rowTrigger("reliability_maintained", "AFTER UPDATE OR DELETE", "asynqpg_tasks", `
	IF TG_OP = 'DELETE' THEN
		INSERT INTO reliability_maintenance (app, op, task_id) VALUES (current_setting('application_name'), 'delete', OLD.id);
		RETURN NULL;
	END IF;
	IF cardinality(NEW.messages) > cardinality(OLD.messages)
		AND NEW.messages[cardinality(NEW.messages)] LIKE 'rescued:%' THEN
		INSERT INTO reliability_maintenance (app, op, task_id) VALUES (current_setting('application_name'), 'rescue', NEW.id);
	END IF;
	RETURN NULL;`)

// leaderAudit records every change of the leader table: each election,
// renewal and resignation, with the database time it happened.
var leaderAudit = auditTable("reliability_leader_audit", `
	op text NOT NULL,
	leader_id text NOT NULL,
	elected_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	app text NOT NULL,`) +
	rowTrigger("reliability_leader_changed", "AFTER INSERT OR UPDATE OR DELETE", "asynqpg_leader", `
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
	RETURN NULL;`)
