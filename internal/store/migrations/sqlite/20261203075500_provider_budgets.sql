-- +goose Up
-- Hand-written: the shared provider rate limit (internal/platform/ratelimit.Budget),
-- one row per provider holding its GCRA "theoretical arrival time" in
-- microseconds since the Unix epoch. Not an ent entity: only that limiter's
-- conditional UPDATE reads or writes it.
CREATE TABLE `provider_budgets` (`provider` text NOT NULL, `tat_us` integer NOT NULL DEFAULT 0, PRIMARY KEY (`provider`));

-- +goose Down
DROP TABLE `provider_budgets`;
