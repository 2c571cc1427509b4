import type { Fields } from './fields.ts';
import type { NotificationType } from './schema.ts';

/** A body read into NeuVector's fields: the dataset (undefined for a type this parser does not know) or why it could not be read. */
export type Parsed = { dataset: NotificationType | undefined; fields: Fields } | { failure: string };
