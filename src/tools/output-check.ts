/**
 * The compile-time check that a tool's result stays within its output schema: the places of the
 * structured result its schema has no property for (Unlisted), refused at the tool's defineTool.
 */
import type * as z from 'zod';

/**
 * The places in `T` — a tool's structured result as its code builds it — that `S`, the type of its
 * output schema, has no property for: ".clients", ".hosts[].extra"; never when there is none. A
 * client checks structuredContent against the published JSON Schema, where every zod object is
 * `additionalProperties: false`, so each such place is a result a validating client refuses (issue
 * 54: show_status's `clients` through the shared server). TypeScript does not catch these by
 * itself: a spread or an orchestrator object passed whole is not checked for excess properties.
 * Where the schema allows anything (`z.unknown()`, a record of unknown) nothing below is compared.
 */
export type Unlisted<T, S, P extends string = ''> = T extends readonly (infer E)[]
  ? S extends readonly (infer F)[]
    ? Unlisted<E, F, `${P}[]`>
    : never
  : T extends object
    ? S extends object
      ? {
          [K in keyof T]-?: K extends keyof S
            ? unknown extends S[K]
              ? never
              : Unlisted<NonNullable<T[K]>, NonNullable<S[K]>, `${P}.${K & string}`>
            : `${P}.${K & string}`;
        }[keyof T]
      : never
    : never;

type StructuredOf<R> = R extends { structured: infer X } ? X : never;

/**
 * Nothing when every field the tool's run can return is in its output schema; else a property the spec lacks,
 * named by those fields (a compile error at the tool).
 */
export type ListsItsResult<O extends z.ZodObject, R> = [Unlisted<StructuredOf<R>, z.output<O>>] extends [never]
  ? unknown
  : { 'outputSchema lacks what the result carries': Unlisted<StructuredOf<R>, z.output<O>> };
