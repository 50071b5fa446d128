//! The migrator: lock, check, then apply or revert migrations, written once for every
//! [`MigrationBackend`].

use std::time::Instant;

use super::backend::{AppliedMigration, MigrationBackend};
use super::error::MigrateError;
use super::migration::{Migration, MigrationDir};

/// Which way a migration runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

/// Receives the progress of a run.
pub trait Reporter {
    /// Called before each migration runs (or, in a dry run, instead of running it).
    fn start(&mut self, migration: &Migration, direction: Direction, sql: &str);
    /// Called after each migration ran, with its duration in seconds.
    fn done(&mut self, migration: &Migration, direction: Direction, seconds: f64);
}

/// How a run reports progress and whether it changes anything.
pub struct Options<'a> {
    /// Report the SQL that would run instead of running it.
    pub dry_run: bool,
    pub reporter: &'a mut dyn Reporter,
}

/// The state of one migration, for `migrate status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusState {
    Applied,
    Pending,
    /// Recorded with `success = false`: a no-transaction migration that failed partway.
    Failed,
    /// An attempt of a no-transaction migration whose runner stopped before it finished
    /// (or one that is running now).
    Interrupted,
    /// Applied, but the file changed since.
    Changed,
    /// Applied, but its file is gone.
    MissingFile,
}

/// One line of `migrate status`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StatusEntry {
    pub version: i64,
    pub description: String,
    pub state: StatusState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// How its files differ from `dbridge.sum`, when they do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum: Option<String>,
}

/// Runs the migrations of one directory against one database, through its backend.
pub struct Migrator<B> {
    backend: B,
    dir: MigrationDir,
}

impl<B: MigrationBackend> Migrator<B> {
    /// A runner for the directory (read with [`MigrationDir::open`]) on a backend. Every
    /// command but `status` refuses a directory that does not match its `dbridge.sum`.
    pub fn new(backend: B, dir: MigrationDir) -> Self {
        Migrator { backend, dir }
    }

    /// The migrations of the directory.
    pub fn migrations(&self) -> &[Migration] {
        &self.dir.migrations
    }

    fn find(&self, version: i64) -> Option<&Migration> {
        self.dir.migrations.iter().find(|m| m.version == version)
    }

    fn file(&self, version: i64) -> String {
        self.find(version)
            .map(|m| m.up_path.display().to_string())
            .unwrap_or_else(|| format!("{}/{version}_*", self.dir.path.display()))
    }

    /// Checks the sum, takes the lock, ensures the history table, refuses a dirty or
    /// tampered history.
    async fn begin(&mut self) -> Result<Vec<AppliedMigration>, MigrateError> {
        self.dir.require_sum()?;
        self.backend.lock().await?;
        match self.check().await {
            Ok(applied) => Ok(applied),
            Err(e) => {
                let _ = self.backend.unlock().await;
                Err(e)
            }
        }
    }

    async fn check(&mut self) -> Result<Vec<AppliedMigration>, MigrateError> {
        self.backend.ensure_history().await?;
        let applied = self.backend.list_applied().await?;
        self.verify_history(&applied)?;
        Ok(applied)
    }

    /// Refuses a history with a failed migration or with checksums that no longer match.
    fn verify_history(&self, applied: &[AppliedMigration]) -> Result<(), MigrateError> {
        if let Some(bad) = applied.iter().find(|a| !a.success) {
            let what = if bad.interrupted() {
                "was interrupted in an earlier run: its runner stopped before it finished"
            } else {
                "failed partway in an earlier run"
            };
            return Err(MigrateError::Dirty {
                forget: self.backend.forget_hint(bad.version),
                version: bad.version,
                file: self.file(bad.version),
                what: what.into(),
            });
        }
        self.verify_checksums(applied)
    }

    fn verify_checksums(&self, applied: &[AppliedMigration]) -> Result<(), MigrateError> {
        for a in applied.iter().filter(|a| a.success) {
            match self.find(a.version) {
                None => {
                    return Err(MigrateError::MissingFile {
                        version: a.version,
                        description: a.description.clone(),
                    })
                }
                Some(m) if m.checksum() != a.checksum => {
                    return Err(MigrateError::ChecksumMismatch {
                        history: self.backend.history_name(),
                        version: a.version,
                        file: m.up_path.display().to_string(),
                    })
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Applies pending migrations in order, up to `to` (inclusive) when given.
    pub async fn up(
        &mut self,
        to: Option<i64>,
        opts: &mut Options<'_>,
    ) -> Result<Vec<i64>, MigrateError> {
        self.require_known(to)?;
        let applied = self.begin().await?;
        let pending: Vec<Migration> = self
            .migrations()
            .iter()
            .filter(|m| !applied.iter().any(|a| a.version == m.version))
            .filter(|m| to.is_none_or(|t| m.version <= t))
            .cloned()
            .collect();
        let result = self.run_all(&pending, Direction::Up, opts).await;
        self.backend.unlock().await?;
        result
    }

    /// Reverts the last `steps` applied migrations, or all applied after version `to`.
    pub async fn down(
        &mut self,
        steps: Option<usize>,
        to: Option<i64>,
        opts: &mut Options<'_>,
    ) -> Result<Vec<i64>, MigrateError> {
        if let Some(t) = to.filter(|t| *t != 0) {
            self.require_known(Some(t))?;
        }
        let applied = self.begin().await?;
        let mut targets: Vec<Migration> = applied
            .iter()
            .rev()
            .filter(|a| to.is_none_or(|t| a.version > t))
            .filter_map(|a| self.find(a.version).cloned())
            .collect();
        if to.is_none() {
            targets.truncate(steps.unwrap_or(1));
        }
        let result = self.run_all(&targets, Direction::Down, opts).await;
        self.backend.unlock().await?;
        result
    }

    /// Reverts the last applied migration and applies it again.
    pub async fn redo(&mut self, opts: &mut Options<'_>) -> Result<Vec<i64>, MigrateError> {
        let reverted = self.down(Some(1), None, opts).await?;
        match reverted.first() {
            Some(&v) => self.up(Some(v), opts).await,
            None => Ok(Vec::new()),
        }
    }

    fn require_known(&self, version: Option<i64>) -> Result<(), MigrateError> {
        match version {
            Some(v) if self.find(v).is_none() => Err(MigrateError::UnknownVersion { version: v }),
            _ => Ok(()),
        }
    }

    /// The script of `m` that runs in `direction`, with its path.
    fn script(m: &Migration, direction: Direction) -> Result<(&str, String), MigrateError> {
        match direction {
            Direction::Up => Ok((&m.up_sql, m.up_path.display().to_string())),
            Direction::Down => match (&m.down_sql, &m.down_path) {
                (Some(sql), Some(path)) => Ok((sql, path.display().to_string())),
                _ => Err(MigrateError::NoDown {
                    version: m.version,
                    file: m.up_path.display().to_string(),
                    expected: m
                        .up_path
                        .display()
                        .to_string()
                        .replace(".up.sql", ".down.sql"),
                }),
            },
        }
    }

    /// Runs `list` in order, after checking every script of it: a run stops before its
    /// first statement rather than midway when a later file cannot run as written.
    async fn run_all(
        &mut self,
        list: &[Migration],
        direction: Direction,
        opts: &mut Options<'_>,
    ) -> Result<Vec<i64>, MigrateError> {
        for m in list {
            let (sql, file) = Self::script(m, direction)?;
            self.backend.check(m, sql, &file)?;
        }
        let mut done = Vec::new();
        for m in list {
            let (sql, file) = Self::script(m, direction)?;
            let sql = sql.to_string();
            opts.reporter.start(m, direction, &sql);
            if opts.dry_run {
                continue;
            }
            let started = Instant::now();
            match direction {
                Direction::Up => self.backend.apply(m, &sql, &file).await?,
                Direction::Down => self.backend.revert(m, &sql, &file).await?,
            }
            tracing::info!(
                "{} {file} in {:.1} ms",
                if direction == Direction::Up {
                    "applied"
                } else {
                    "reverted"
                },
                started.elapsed().as_secs_f64() * 1000.0
            );
            opts.reporter
                .done(m, direction, started.elapsed().as_secs_f64());
            done.push(m.version);
        }
        Ok(done)
    }

    /// How the files of `version` differ from `dbridge.sum`, if they do.
    fn sum_note(&self, version: Option<i64>, file: Option<&str>) -> Option<String> {
        let notes: Vec<String> = self
            .dir
            .sum_problems
            .iter()
            .filter(|p| {
                Some(p.file.as_str()) == file
                    || version.is_some_and(|v| super::migration::version_of(&p.file) == Some(v))
            })
            .map(|p| format!("{}: {}", p.file, p.problem))
            .collect();
        (!notes.is_empty()).then(|| notes.join("; "))
    }

    /// Every migration with its state, also when the directory does not match its sum
    /// (the entries whose files differ say how).
    pub async fn status(&mut self) -> Result<Vec<StatusEntry>, MigrateError> {
        let applied = self.backend.list_applied().await?;
        let mut out = Vec::new();
        for m in self.migrations() {
            let record = applied.iter().find(|a| a.version == m.version);
            let state = match record {
                None => StatusState::Pending,
                Some(a) if a.interrupted() => StatusState::Interrupted,
                Some(a) if !a.success => StatusState::Failed,
                Some(a) if a.checksum != m.checksum() => StatusState::Changed,
                Some(_) => StatusState::Applied,
            };
            out.push(StatusEntry {
                version: m.version,
                description: m.description.clone(),
                state,
                installed_on: record.map(|a| a.installed_on.clone()),
                file: Some(m.file_name()),
                sum: self.sum_note(Some(m.version), None),
            });
        }
        for a in applied.iter().filter(|a| self.find(a.version).is_none()) {
            out.push(StatusEntry {
                version: a.version,
                description: a.description.clone(),
                state: StatusState::MissingFile,
                installed_on: Some(a.installed_on.clone()),
                file: None,
                sum: self.sum_note(Some(a.version), None),
            });
        }
        out.sort_by_key(|e| e.version);
        Ok(out)
    }

    /// Differences from `dbridge.sum` that belong to no migration listed by
    /// [`Migrator::status`] (a missing sum, a wrong directory hash, a file in the sum that is
    /// gone and was never applied), as "file: problem".
    pub fn unlisted_sum_problems(&self, listed: &[StatusEntry]) -> Vec<String> {
        self.dir
            .sum_problems
            .iter()
            .filter(|p| {
                let v = super::migration::version_of(&p.file);
                v.is_none() || !listed.iter().any(|e| Some(e.version) == v)
            })
            .map(|p| format!("{}: {}", p.file, p.problem))
            .collect()
    }

    /// Checks the sum file, the history's checksums and that nothing is dirty.
    pub async fn verify(&mut self) -> Result<usize, MigrateError> {
        self.dir.require_sum()?;
        let applied = self.backend.list_applied().await?;
        self.verify_history(&applied)?;
        Ok(applied.len())
    }

    /// Marks every migration up to `version` as applied without running it.
    pub async fn baseline(&mut self, version: i64) -> Result<Vec<i64>, MigrateError> {
        self.require_known(Some(version))?;
        self.dir.require_sum()?;
        self.backend.lock().await?;
        let result = async {
            self.backend.ensure_history().await?;
            let applied = self.backend.list_applied().await?;
            let mut marked = Vec::new();
            for m in self.dir.migrations.iter().filter(|m| m.version <= version) {
                let done = applied.iter().any(|a| a.version == m.version && a.success);
                if !done {
                    self.backend.mark_applied(m).await?;
                    marked.push(m.version);
                }
            }
            Ok::<_, MigrateError>(marked)
        }
        .await;
        self.backend.unlock().await?;
        result
    }

    /// Undoes `baseline`: forgets the records of migrations up to `version` that were
    /// recorded without running; the ones a run applied stay.
    pub async fn unbaseline(&mut self, version: i64) -> Result<Vec<i64>, MigrateError> {
        self.dir.require_sum()?;
        self.backend.lock().await?;
        let result = async {
            let applied = self.backend.list_applied().await?;
            let mut forgotten = Vec::new();
            for a in applied
                .iter()
                .rev()
                .filter(|a| a.version <= version && a.baselined())
            {
                self.backend.unmark(a.version).await?;
                forgotten.push(a.version);
            }
            Ok::<_, MigrateError>(forgotten)
        }
        .await;
        self.backend.unlock().await?;
        result
    }
}
