// revision: 0003_seed_languages
// down_revision: 0002_snippet_embedding
// description: Seed the languages the editor offers (upserts still MERGE any other language)

// migrate:up
UNWIND ['python', 'javascript', 'typescript', 'java', 'go', 'rust', 'c', 'cpp'] AS name
MERGE (:Language {name: name});

// migrate:down
MATCH (l:Language)
WHERE l.name IN ['python', 'javascript', 'typescript', 'java', 'go', 'rust', 'c', 'cpp']
  AND NOT (l)--()
DELETE l;
