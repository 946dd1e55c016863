throw new Error('cannot load: missing config');
