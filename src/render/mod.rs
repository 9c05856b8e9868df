//! Output for people and programs: Markdown transcripts, simplified JSON, original JSON.
