package http

// storedContent returns the content of stored template id (its draft when
// draft is set, otherwise its published version).
func (f *Factory) storedContent(id string, draft bool) (*txContent, *apiErr) {
	return nil, notFound("template '" + id + "' does not exist")
}
