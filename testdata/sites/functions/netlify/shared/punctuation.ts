// Outside the functions folder: an edit here must rebuild the functions that import it.
export const end = "";
