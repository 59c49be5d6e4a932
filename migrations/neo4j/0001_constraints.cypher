// revision: 0001_constraints
// down_revision: none
// description: Unique ids and names for every node the sync worker MERGEs

// migrate:up
CREATE CONSTRAINT user_id IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE;
CREATE CONSTRAINT snippet_id IF NOT EXISTS FOR (s:Snippet) REQUIRE s.id IS UNIQUE;
CREATE CONSTRAINT language_name IF NOT EXISTS FOR (l:Language) REQUIRE l.name IS UNIQUE;
CREATE CONSTRAINT complexity_notation IF NOT EXISTS FOR (c:Complexity) REQUIRE c.notation IS UNIQUE;
CREATE CONSTRAINT pattern_name IF NOT EXISTS FOR (p:Pattern) REQUIRE p.name IS UNIQUE;

// migrate:down
DROP CONSTRAINT pattern_name IF EXISTS;
DROP CONSTRAINT complexity_notation IF EXISTS;
DROP CONSTRAINT language_name IF EXISTS;
DROP CONSTRAINT snippet_id IF EXISTS;
DROP CONSTRAINT user_id IF EXISTS;
