-- A NOTIFY takes a cluster-wide lock at commit, so the notify-on-every-entry trigger of 0004
-- made every decision's commit wait for the others'. The sealer polls instead.
DROP TRIGGER unsealed_notify ON modlog.unsealed;
DROP FUNCTION modlog.notify_unsealed();
