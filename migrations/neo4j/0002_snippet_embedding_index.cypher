// revision: 0002_snippet_embedding
// down_revision: 0001_constraints
// description: Vector index for semantic search over snippet embeddings (cosine)

// migrate:up
CREATE VECTOR INDEX snippet_embedding IF NOT EXISTS
FOR (s:Snippet) ON (s.embedding)
OPTIONS {indexConfig: {
    `vector.dimensions`: {{embedding_dimension}},
    `vector.similarity_function`: 'cosine'
}};

// migrate:down
DROP INDEX snippet_embedding IF EXISTS;
