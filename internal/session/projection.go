package session

import (
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Projection is a named, field-restricted view of a json0 collection, as
// ShareDB's backend.addProjection(Name, Target, fields). Clients use Name as
// a collection: reads of Name/id return Target/id with only the listed
// top-level Fields; ops are forwarded with their components outside the
// Fields dropped; ops submitted through Name that touch other fields (or
// creates with other fields) are refused with ERR_OP_NOT_ALLOWED_IN_PROJECTION;
// documents of other types are refused with ERR_TYPE_CANNOT_BE_PROJECTED.
type Projection struct {
	Name   string
	Target string
	Fields []string
}

// projection is a registered Projection with its fields as a set.
type projection struct {
	name, target string
	fields       map[string]bool
}

// projectionSet holds the Manager's projections; it only grows.
type projectionSet struct {
	mu     sync.RWMutex // guards byName
	byName map[string]*projection
}

func newProjectionSet(ps []Projection) (*projectionSet, error) {
	s := &projectionSet{byName: make(map[string]*projection)}
	for _, p := range ps {
		if err := s.add(p); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *projectionSet) add(p Projection) error {
	if p.Name == "" || p.Target == "" {
		return errors.New("session: projection name and target must not be empty")
	}
	if p.Name == p.Target {
		return fmt.Errorf("session: projection %q cannot target itself", p.Name)
	}
	pr := &projection{name: p.Name, target: p.Target, fields: make(map[string]bool, len(p.Fields))}
	for _, f := range p.Fields {
		pr.fields[f] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byName[p.Name] != nil {
		return fmt.Errorf("session: projection %q already exists", p.Name)
	}
	s.byName[p.Name] = pr
	return nil
}

// lookup returns the projection named coll, nil when coll is a collection.
func (s *projectionSet) lookup(coll string) *projection {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.byName[coll]
}

// AddProjection registers p. It applies to every connection, including open
// ones, for requests read after it returns. A name already used is an error.
func (m *Manager) AddProjection(p Projection) error {
	p.Fields = slices.Clone(p.Fields)
	return m.projections.add(p)
}
