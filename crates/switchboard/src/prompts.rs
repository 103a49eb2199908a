//! The prompt set: every WAV named by the configuration, loaded once at start and
//! pre-encoded (by `media::Prompt`) so playback does no work per packet.

use std::collections::HashMap;
use std::sync::Arc;

use media::Prompt;

use crate::config::Config;

/// A built-in prompt: its name and the WAV file of that name under configs/prompts/.
macro_rules! built_in {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!("../../../configs/prompts/", $name, ".wav")))),*]
    };
}

/// Prompts compiled into the binary, used when the config names no prompt directory.
const BUILT_IN: &[(&str, &[u8])] = built_in![
    "greeting",
    "menu",
    "invalid",
    "connecting",
    "hold",
    "goodbye",
    "agent-logged-in",
    "agent-logged-out",
    "agent-paused",
    "agent-available",
    "position-intro",
    "wait-intro",
    "wait-short",
    "minute",
    "minutes",
    "many",
    "n1",
    "n2",
    "n3",
    "n4",
    "n5",
    "n6",
    "n7",
    "n8",
    "n9",
    "n10",
    "n11",
    "n12",
    "n13",
    "n14",
    "n15",
    "n16",
    "n17",
    "n18",
    "n19",
    "n20",
    "n30",
    "n40",
    "n50",
    "n60",
    "n70",
    "n80",
    "n90",
    "callback-offer",
    "callback-confirm",
];

/// A prompt that could not be loaded, with the config key that names it.
#[derive(Debug, thiserror::Error)]
#[error("config key `{key}`: prompt `{name}`: {reason}")]
pub struct PromptError {
    pub key: String,
    pub name: String,
    pub reason: String,
}

/// Prompts by name.
#[derive(Debug, Default)]
pub struct PromptSet {
    prompts: HashMap<String, Arc<Prompt>>,
}

impl PromptSet {
    pub fn get(&self, name: &str) -> Option<Arc<Prompt>> {
        self.prompts.get(name).cloned()
    }

    /// Loads every prompt the configuration refers to.
    pub fn load(config: &Config) -> Result<PromptSet, PromptError> {
        let mut wanted: Vec<(String, String)> = Vec::new();
        for (i, m) in config.menus.iter().enumerate() {
            if let Some(g) = &m.greeting {
                wanted.push((format!("menus[{i}].greeting"), g.clone()));
            }
            wanted.push((format!("menus[{i}].prompt"), m.prompt.clone()));
            if let Some(v) = &m.invalid {
                wanted.push((format!("menus[{i}].invalid"), v.clone()));
            }
        }
        for (i, q) in config.queues.iter().enumerate() {
            wanted.push((format!("queues[{i}].hold"), q.hold.clone()));
            wanted.push((format!("queues[{i}].announcement"), q.announcement.clone()));
        }
        if !config.agents.is_empty() {
            // Agents' feature codes confirm with these.
            for name in crate::switch::FEATURE_PROMPTS {
                wanted.push(("agents (feature codes)".into(), name.to_string()));
            }
        }
        for (i, q) in config.queues.iter().enumerate() {
            if q.callback_key.is_some() {
                for name in crate::switch::CALLBACK_PROMPTS {
                    wanted.push((format!("queues[{i}].callback_key"), name.to_string()));
                }
            }
            if q.announce_every.is_some() {
                for name in crate::switch::announcement_prompts() {
                    wanted.push((format!("queues[{i}].announce_every"), name));
                }
            }
        }
        let mut set = PromptSet::default();
        for (key, name) in wanted {
            if set.prompts.contains_key(&name) {
                continue;
            }
            let err = |reason: String| PromptError {
                key: key.clone(),
                name: name.clone(),
                reason,
            };
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
            {
                return Err(err(
                    "use letters, digits, `-` and `_` (the file is NAME.wav)".into(),
                ));
            }
            let bytes: Vec<u8> = match &config.prompt_dir {
                Some(dir) => {
                    let path = dir.join(format!("{name}.wav"));
                    std::fs::read(&path).map_err(|e| err(format!("{}: {e}", path.display())))?
                }
                None => BUILT_IN
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, b)| b.to_vec())
                    .ok_or_else(|| err("not among the built-in prompts; set prompts.dir".into()))?,
            };
            let prompt = Prompt::from_wav(&bytes).map_err(|e| err(e.to_string()))?;
            set.prompts.insert(name, Arc::new(prompt));
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Overrides;

    #[test]
    fn the_built_in_prompts_load() {
        let config = Config::demo(&Overrides::default()).expect("demo");
        let set = PromptSet::load(&config).expect("prompts");
        for name in ["greeting", "menu", "invalid", "connecting", "hold"] {
            let p = set.get(name).expect(name);
            assert!(
                p.duration() > std::time::Duration::from_secs(1),
                "{name} is too short"
            );
        }
    }

    #[test]
    fn the_demo_file_reads_the_same_prompts_from_disk() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/demo.toml");
        let config = Config::load(&path, &Overrides::default()).expect("demo.toml");
        assert!(config.prompt_dir.is_some());
        PromptSet::load(&config).expect("prompts from configs/prompts");
    }

    #[test]
    fn a_missing_prompt_names_its_key() {
        let mut config = Config::demo(&Overrides::default()).expect("demo");
        config.queues[1].hold = "no-such-tune".into();
        let e = PromptSet::load(&config).expect_err("missing prompt");
        assert!(e.to_string().contains("queues[1].hold"), "{e}");
    }
}
