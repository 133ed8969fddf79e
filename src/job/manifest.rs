//! `job.json`: what a job directory is a job of. It is created once, before any
//! other artifact; every later run (a resume, another shard, `aggregate`)
//! compares itself with it and refuses to mix in work for other inputs.

use super::layout::{names, JobDir};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

pub const MANIFEST_FORMAT: &str = "zkpor-job/1";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub zkpor_version: String,
    /// The circuit-family version hashed into the parameter digest.
    pub circuit_version: u64,
    pub inputs: InputDigests,
    pub params: JobParams,
    /// Backend of the run that created the job. Informational: any backend may
    /// resume it, since every backend produces the same results.
    pub backend: String,
    /// The tiers as requested (`--tiers`: `auto`, or capacities such as
    /// `1,4,dense`) for a tiered round (account format 2); absent for format 1.
    /// The tiers chosen from it are recorded once, in commit.json.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiers: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputDigests {
    pub accounts: FileDigest,
    pub assets: FileDigest,
    pub reserves: FileDigest,
    pub secret: SecretDigest,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    /// The path as given to the run that created the job; not compared, since
    /// shards on other machines may mount the inputs elsewhere.
    pub path: String,
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretDigest {
    /// `file` (passed with --secret) or `generated` (OUT/secret).
    pub source: String,
    /// SHA-256 of the secret file's bytes; reveals nothing about a random secret.
    pub sha256: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobParams {
    /// B as requested or chosen: the value in the parameter digest.
    pub batch_size: usize,
    /// Whether `--batch-size auto` chose B. Only B itself must match to resume.
    #[serde(default)]
    pub batch_size_auto: bool,
    pub arity: usize,
    pub num_assets: usize,
}

impl Manifest {
    /// Every difference that makes `self` (this run) unable to continue `job`.
    pub fn differences(&self, job: &Manifest) -> Vec<String> {
        let mut d = Vec::new();
        differ(&mut d, "format", &job.format, &self.format);
        differ(
            &mut d,
            "zkpor version",
            &job.zkpor_version,
            &self.zkpor_version,
        );
        differ(
            &mut d,
            "circuit version",
            &job.circuit_version,
            &self.circuit_version,
        );
        let (a, b) = (&job.inputs, &self.inputs);
        for (what, a, b) in [
            ("accounts", &a.accounts, &b.accounts),
            ("assets", &a.assets, &b.assets),
            ("reserves", &a.reserves, &b.reserves),
        ] {
            // Only the content counts; the paths help the operator find the file.
            if a.sha256 != b.sha256 {
                d.push(format!(
                    "{what}: sha256 {} ({}) in the job, {} ({}) in this run",
                    a.sha256, a.path, b.sha256, b.path
                ));
            }
        }
        differ(
            &mut d,
            "round secret (sha256)",
            &a.secret.sha256,
            &b.secret.sha256,
        );
        let (a, b) = (job.params, self.params);
        differ(&mut d, "batch size", &a.batch_size, &b.batch_size);
        differ(&mut d, "arity", &a.arity, &b.arity);
        differ(&mut d, "number of assets", &a.num_assets, &b.num_assets);
        let tiers = |t: &Option<String>| t.clone().unwrap_or_else(|| "none (format 1)".into());
        differ(&mut d, "tiers", &tiers(&job.tiers), &tiers(&self.tiers));
        d
    }

    fn to_json(&self) -> Result<Vec<u8>> {
        let mut v = serde_json::to_vec_pretty(self).map_err(|e| Error::Usage(e.to_string()))?;
        v.push(b'\n');
        Ok(v)
    }
}

fn differ<T: PartialEq + std::fmt::Display>(d: &mut Vec<String>, what: &str, job: &T, now: &T) {
    if job != now {
        d.push(format!("{what}: {job} in the job, {now} in this run"));
    }
}

/// Reads a job's manifest; `None` when there is none.
pub fn read(job: &JobDir) -> Result<Option<Manifest>> {
    let path = job.file(names::MANIFEST);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("cannot read", &path)(e)),
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        Error::Usage(format!(
            "{} is not a readable job manifest ({e}); pass --fresh to start the job over",
            path.display()
        ))
    })
}

/// Creates the manifest, or checks this run against the one already there.
/// Of several shards racing to create it, one wins; the others compare.
/// Returns whether this call created it.
pub fn create_or_check(job: &JobDir, wanted: &Manifest) -> Result<bool> {
    let path = job.file(names::MANIFEST);
    let created = job
        .create_once(&path, &wanted.to_json()?)
        .map_err(Error::io("cannot create", &path))?;
    if created {
        return Ok(true);
    }
    let existing = read(job)?
        .ok_or_else(|| Error::Usage(format!("{} vanished while being read", path.display())))?;
    check(job, &existing, wanted)?;
    Ok(false)
}

/// Refuses a run whose inputs or parameters differ from the job's, naming each difference.
pub fn check(job: &JobDir, existing: &Manifest, wanted: &Manifest) -> Result<()> {
    let diff = wanted.differences(existing);
    if diff.is_empty() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{} holds a job with other inputs or parameters:\n  {}\nRun with the job's inputs and parameters to resume it, or pass --fresh to start over.",
        job.root().display(),
        diff.join("\n  ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        let f = |p: &str, h: &str| FileDigest {
            path: p.into(),
            sha256: h.into(),
        };
        Manifest {
            format: MANIFEST_FORMAT.into(),
            zkpor_version: "0.1.0".into(),
            circuit_version: 1,
            inputs: InputDigests {
                accounts: f("a.csv", "aa"),
                assets: f("s.csv", "bb"),
                reserves: f("r.csv", "cc"),
                secret: SecretDigest {
                    source: "file".into(),
                    sha256: "dd".into(),
                },
            },
            params: JobParams {
                batch_size: 4,
                batch_size_auto: false,
                arity: 2,
                num_assets: 2,
            },
            backend: "cpu".into(),
            tiers: None,
        }
    }

    #[test]
    fn names_every_difference_and_ignores_paths_and_backend() {
        let job = manifest();
        let mut run = manifest();
        run.inputs.accounts.path = "/mnt/elsewhere/a.csv".into();
        run.backend = "gpu".into();
        assert!(run.differences(&job).is_empty());
        run.inputs.reserves.sha256 = "ee".into();
        run.params.batch_size = 8;
        run.inputs.secret.sha256 = "ff".into();
        let d = run.differences(&job);
        assert_eq!(d.len(), 3, "{d:?}");
        assert_eq!(
            d[0],
            "reserves: sha256 cc (r.csv) in the job, ee (r.csv) in this run"
        );
        assert!(d[1].starts_with("round secret"));
        assert_eq!(d[2], "batch size: 4 in the job, 8 in this run");
    }
}
