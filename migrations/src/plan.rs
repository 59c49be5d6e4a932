//! Targets (`head`, `base`, `-1`, `+2`, a revision id) and the steps that reach them.

use std::fmt;

use serde::Serialize;

use crate::{Error, History, Revision};

/// Where `upgrade`, `downgrade` or `stamp` should leave the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The newest revision.
    Head,
    /// Nothing applied.
    Base,
    /// This many revisions up (positive) or down (negative) from the current one.
    Relative(i64),
    /// A revision by id.
    Revision(String),
}

impl Target {
    /// Parse `head`, `base`, `-N`, `+N` or a revision id.
    pub fn parse(raw: &str) -> Self {
        match raw {
            "head" | "heads" => Self::Head,
            "base" => Self::Base,
            _ => match raw.parse::<i64>() {
                Ok(n) if raw.starts_with(['+', '-']) => Self::Relative(n),
                _ => Self::Revision(raw.to_string()),
            },
        }
    }

    /// The position this target names: `None` is base (nothing applied).
    pub(crate) fn resolve(
        &self,
        history: &History,
        current: Option<usize>,
    ) -> Result<Option<usize>, Error> {
        let len = history.revisions().len();
        match self {
            Self::Head => Ok(len.checked_sub(1)),
            Self::Base => Ok(None),
            Self::Revision(id) => history.find(id).map(|(i, _)| Some(i)),
            Self::Relative(n) => {
                let from = current.map_or(0, |c| c as i64 + 1);
                let to = from + n;
                if to < 0 || to > len as i64 {
                    return Err(Error::BadTarget {
                        target: format!("{n:+}"),
                        reason: format!("{} revisions are applied of {len}", from),
                    });
                }
                Ok((to as usize).checked_sub(1))
            }
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Head => f.write_str("head"),
            Self::Base => f.write_str("base"),
            Self::Relative(n) => write!(f, "{n:+}"),
            Self::Revision(id) => f.write_str(id),
        }
    }
}

/// Whether a step applies or undoes its revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Run the `up` section and record the revision.
    Up,
    /// Run the `down` section and forget the revision.
    Down,
}

/// The revisions to run, in order, to move from `current` to `target` in `direction`.
pub(crate) fn steps(
    history: &History,
    current: Option<usize>,
    target: Option<usize>,
    direction: Direction,
) -> Result<Vec<&Revision>, Error> {
    let applied = current.map_or(0, |c| c + 1);
    let wanted = target.map_or(0, |t| t + 1);
    let revisions = history.revisions();
    match direction {
        Direction::Up if wanted >= applied => Ok(revisions[applied..wanted].iter().collect()),
        Direction::Down if wanted <= applied => {
            let undo: Vec<&Revision> = revisions[wanted..applied].iter().rev().collect();
            if let Some(r) = undo.iter().find(|r| r.down.is_none()) {
                return Err(Error::BadTarget {
                    target: r.id.to_string(),
                    reason: format!("{} has no `migrate:down` section", r.file),
                });
            }
            Ok(undo)
        }
        Direction::Up => Err(Error::BadTarget {
            target: label(revisions, target),
            reason: "it is below the current revision: use `downgrade`".into(),
        }),
        Direction::Down => Err(Error::BadTarget {
            target: label(revisions, target),
            reason: "it is above the current revision: use `upgrade`".into(),
        }),
    }
}

fn label(revisions: &[Revision], position: Option<usize>) -> String {
    position.map_or_else(|| "base".into(), |p| revisions[p].id.to_string())
}

/// One step of a dry run: the revision and exactly the script that would run.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedStep {
    /// Apply or undo.
    pub direction: Direction,
    /// The revision id.
    pub revision: String,
    /// Its file.
    pub file: String,
    /// The script, bookkeeping included.
    pub script: String,
}

/// What `upgrade --sql` / `downgrade --sql` would run; its `Display` is the script itself.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Statements that prepare bookkeeping (e.g. create the version table), if any.
    pub preamble: String,
    /// The steps in order.
    pub steps: Vec<PlannedStep>,
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.steps.is_empty() {
            return writeln!(f, "-- nothing to do");
        }
        writeln!(f, "{}", self.preamble)?;
        for step in &self.steps {
            writeln!(f, "{}", step.script)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dialect, Source};

    fn history() -> History {
        let file = |id: &str, parent: &str| {
            (
                format!("{id}.sql"),
                format!("-- revision: {id}\n-- down_revision: {parent}\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n"),
            )
        };
        History::load(&Source::from_files(
            Dialect::Postgres,
            vec![file("a", "none"), file("b", "a"), file("c", "b")],
        ))
        .unwrap()
    }

    fn ids(revs: Vec<&Revision>) -> Vec<&str> {
        revs.into_iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn targets_parse() {
        assert_eq!(Target::parse("head"), Target::Head);
        assert_eq!(Target::parse("base"), Target::Base);
        assert_eq!(Target::parse("-1"), Target::Relative(-1));
        assert_eq!(Target::parse("+2"), Target::Relative(2));
        assert_eq!(Target::parse("0001"), Target::Revision("0001".into()));
    }

    #[test]
    fn upgrade_and_downgrade_steps() {
        let h = history();
        let head = Target::Head.resolve(&h, None).unwrap();
        assert_eq!(
            ids(steps(&h, None, head, Direction::Up).unwrap()),
            ["a", "b", "c"]
        );
        let minus_one = Target::Relative(-1).resolve(&h, Some(2)).unwrap();
        assert_eq!(
            ids(steps(&h, Some(2), minus_one, Direction::Down).unwrap()),
            ["c"]
        );
        let to_a = Target::parse("a").resolve(&h, Some(2)).unwrap();
        assert_eq!(
            ids(steps(&h, Some(2), to_a, Direction::Down).unwrap()),
            ["c", "b"]
        );
        assert_eq!(
            ids(steps(&h, Some(2), None, Direction::Down).unwrap()),
            ["c", "b", "a"]
        );
        assert!(steps(&h, Some(2), Some(2), Direction::Up)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn wrong_direction_and_out_of_range_targets_are_refused() {
        let h = history();
        assert!(steps(&h, Some(2), Some(0), Direction::Up).is_err());
        assert!(steps(&h, Some(0), Some(2), Direction::Down).is_err());
        assert!(Target::Relative(-2).resolve(&h, Some(0)).is_err());
        assert!(matches!(
            Target::parse("zz").resolve(&h, None),
            Err(Error::UnknownRevision(_))
        ));
    }
}
